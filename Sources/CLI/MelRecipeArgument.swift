import ArgumentParser
import Audio

extension MelRecipe: ExpressibleByArgument {}
