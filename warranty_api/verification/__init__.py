"""Purchase checks against the brand's Shopify store."""
