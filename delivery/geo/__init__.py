"""Places and distances, without any online geocoder: a small gazetteer shipped with the code."""
