"""The Django side of scoring: loading rows into arrays, rescoring, storing rankings and
consortia, matching policies, full rescore runs and the services that enqueue them."""
