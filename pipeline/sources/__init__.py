"""Sources parlq fetches documents from, one folder each (vlpar: the Flemish Parliament's open data)."""
