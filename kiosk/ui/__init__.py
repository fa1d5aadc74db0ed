"""The PySide6 screens: the only package that imports Qt. Importing it makes PySide6's
import hook cheaper before any screen module is imported (:mod:`kiosk.ui.pyside_hook`)."""

from kiosk.ui.pyside_hook import cheaper_feature_check

cheaper_feature_check()
