"""sohoa: digitization and archive service for one-stop counters."""
