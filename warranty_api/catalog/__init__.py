"""What a tenant sells: categories with their terms, products, known serials and serial rules."""
