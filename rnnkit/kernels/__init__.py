"""Fast paths: backends that compute the reference unroller's exact maths, chosen at one dispatch point."""
