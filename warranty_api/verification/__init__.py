"""Purchase verification against a brand's Shopify store."""
