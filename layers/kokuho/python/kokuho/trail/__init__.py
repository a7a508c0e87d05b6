"""The security team's review of CloudTrail (domain.md §7, interfaces.md "Security review"): reading log files,
the detections run over them, and the offline validation of the digest chain. Pure: no AWS call."""
