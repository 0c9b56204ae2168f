"""Analysis on published figures: map classes, stacking, profiles."""
