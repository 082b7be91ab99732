"""Reader feedback on the site's pages: what a reader may send, where it goes, how it is counted."""
