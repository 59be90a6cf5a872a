"""What a kind of sheet is made of: its spec, its columns, the types of their cells, and
the upsert of flat kinds. Each app declares its kinds in its ``excel.py``."""
