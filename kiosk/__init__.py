"""Clinic kiosk for the patient's personal medical account (ЛКП).

Layers: ``domain`` (pure rules) ← ``services`` (use cases behind ports) ← ``store``,
``upstream`` (adapters) and ``ui`` (Qt); ``app`` wires them. Nothing is built at import.
"""

__version__ = "0.1.0"
