"""The Slack app that runs the community's ceremonies; it reads content through mlhub.content."""
