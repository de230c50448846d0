"""Evaluation: one implementation of every metric (``metrics``), the prediction file format and
the aggregation of seed members (``predictions``), metric tables and the summary (``tables``)."""
