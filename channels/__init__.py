"""Input channels of the project, registered in credentials.yml."""
