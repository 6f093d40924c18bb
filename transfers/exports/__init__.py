"""The bulk exports, one module a format, shared by the API's downloads and
`export_transfers`: `register` (the CSV trade register), `jsonl` (JSON
Lines), `graphml`, `gexf` and `network_json` (the transfer network), with
`sql` and `network_xml` what some of them share.

Each writer takes transfers already filtered (a queryset, or the network's
nodes and edges) and yields text chunks, so a caller can stream them to an
HTTP response or a file.
"""
