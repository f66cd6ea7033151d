import ArgumentParser
import Training

extension TrainingRecipe: ExpressibleByArgument {}
extension BatchNormStatistics: ExpressibleByArgument {}
