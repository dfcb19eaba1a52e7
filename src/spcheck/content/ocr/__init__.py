"""Reading what a reader sees as pixels: scanned pages and pictures, by OCR (see reader.py)."""
