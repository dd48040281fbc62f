"""Studies, one package each (:mod:`.p1`, :mod:`.theorem`, :mod:`.rates`, :mod:`.fhn`): a configuration
dataclass at the bottom, then tasks (independent dicts), reduction, outputs and a driver."""
