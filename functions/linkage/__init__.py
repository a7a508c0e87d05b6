"""Lambda entry points of the linkage area (情報連携, 庁内移転, 国保連合会 file exchange)."""
