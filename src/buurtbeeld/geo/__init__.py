"""Geography: CBS region codes, hierarchy, yearly divisions and boundaries."""
