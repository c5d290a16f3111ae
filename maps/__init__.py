"""Map views and the web map; every script, stylesheet and image is served locally."""
