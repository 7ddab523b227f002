"""The Flemish Parliament's open data: written questions found by the search service, fetched with their files.

`fetch.fetch_window` is the entry point; `client` is the only module that talks HTTP.
"""
