"""Information linkage (情報連携), in-city transfers (庁内移転) and the federation file exchange."""
