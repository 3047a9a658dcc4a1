"""Embedders and vector indexes behind one interface each (see ``strata.search.types``)."""
