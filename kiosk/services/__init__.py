"""Use cases. They reach the world only through the ports in :mod:`kiosk.services.ports`."""
