"""spcheck: the Care Inspectorate's SharePoint side of a joint inspection of services
for children at risk of harm."""

__version__ = "0.1.0"
