"""The public portal: published lists, the "谁负责？" search and the open-data API."""
