"""Claims: a customer's request under a warranty and its review by the brand's support team."""
