"""The three roles a person can hold at a tenant; permissions, tokens and accounts all speak of them."""


class Role:
    CUSTOMER = "customer"
    AGENT = "agent"
    ADMIN = "admin"
