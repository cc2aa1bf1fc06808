"""Property prediction with honest uncertainty: trained models, conformal intervals, applicability domain."""
