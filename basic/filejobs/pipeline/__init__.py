"""The steps of a job, below the lifecycle: they read and write files and rows through
their claim (``claims.Claim``), and never claim, send a task or start another job. What
they decide (a split import's parts are to be sent) they return to the runner."""
