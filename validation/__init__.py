"""validation: particles, metrics, studies, figures and the CLI of fokker-balance."""
