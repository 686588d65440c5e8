# Restarts the computer; the agent starts again with it and resumes from its state.
Restart-Computer -Force
