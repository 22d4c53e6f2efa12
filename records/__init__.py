"""Records management over the catalog: retention, legal holds, disposal with certificates, fixity,
audit queries and transfer. Its tables are in catalog.records_models."""
