"""What a brand sells: categories and their terms, products, known serials and the serial rules."""
