import Audio

// Prints FFTW wisdom for gcnn's 512-point real FFT, planned with FFTW_PATIENT on this machine:
// paste it into Sources/Audio/FFTWWisdom.swift to pin a new plan.
print(RealFFT.patientWisdom(size: 512), terminator: "")
