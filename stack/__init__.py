"""Starting and stopping the bot's processes (action server, Rasa server) for `make run`,
`make evaluate` and the tests, so that all of them run the stack the same way."""
