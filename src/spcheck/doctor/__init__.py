"""``spcheck doctor``: first contact with a tenant, checked one step at a time.

Each check says ✓, ! or ✗ on one line and, when something is wrong, what to do
and which section of runbooks/first-deployment.md explains it. Graph and the
Azure SDK are imported only when the checks run.
"""
