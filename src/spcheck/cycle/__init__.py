"""The parts of one check cycle that sit between the gateway, the store and the rules:
which items belong to which inspection, what their content checks and permissions are."""
