"""spcheck as an Azure Function (function_app.py at the repository root is the entry).

Needs the ``azure`` extra (azure-functions, azure-data-tables, azure-storage-blob,
azure-storage-queue); nothing else in spcheck imports this package.
"""
