"""Administrative regions: district, town/street, village/community."""
