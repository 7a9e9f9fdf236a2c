"""The connectomes kenyon ships, each with a README giving its source and licence.

Each function takes the load options of ``kenyon.connectome.load`` and returns a
``kenyon.connectome.Connectome``, which unpacks as
``inprop, neurons, idx_to_sign, idx_to_type``.
"""
from .connectome import Connectome, load

__all__ = ["larva", "flyvis", "hemibrain_mb"]


def larva(**options) -> Connectome:
    """The whole larval Drosophila brain (Winding et al. 2023): 2,952 neurons."""
    return load("larva", format="shipped", **options)


def flyvis(**options) -> Connectome:
    """The fly visual system (Lappalainen et al. 2024): 45,669 cells on 721 columns."""
    return load("flyvis", format="shipped", **options)


def hemibrain_mb(**options) -> Connectome:
    """The hemibrain mushroom body (Scheffer et al. 2020): uPNs, KCs, MBONs and APL."""
    return load("hemibrain-mb", format="shipped", **options)
