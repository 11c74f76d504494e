"""Reading web pages for the model (`read_url`), within the SSRF policy."""
