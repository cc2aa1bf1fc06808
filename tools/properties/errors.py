"""Errors raised by the property predictors; callers turn them into clear messages."""

from __future__ import annotations


class PropertyError(Exception):
    """Base class: the message is written for the person using the tool."""


class InvalidSmiles(PropertyError):
    """The SMILES could not be parsed into a molecule."""


class UnknownProperty(PropertyError):
    """The property name is not one of the trained models."""


class ModelUnavailable(PropertyError):
    """The trained artifact for a property is missing or unreadable (`chemassist models train-properties`)."""


class NotApplicable(PropertyError):
    """The model cannot predict this kind of structure (e.g. Tg for a molecule without `*` points)."""
