"""Commands that staff and operators run on the stored data, above the store and the console."""
