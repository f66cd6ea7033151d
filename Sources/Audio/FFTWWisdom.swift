/// FFTW wisdom for gcnn's 512-point real FFT: the plan FFTW 3.3.10 found with `FFTW_PATIENT` on an
/// x86-64 AVX2 machine (`rdft2-ct-dit/8` over `hc2cfdftv_8_sse2` and `n2fv_64_avx`). Importing it makes
/// every run use this one plan, so features are bit-identical from run to run. Regenerate with
/// `swift run -c release --package-path Benchmarks fftw-wisdom` (prints a new `text`).
enum FFTWWisdom {
    static let text = """
    (fftw-3.3.10 fftwf_wisdom #x9e7d4dee #xdb14fed1 #x34bf76a4 #xeb6e8fdf
      (fftwf_codelet_r2cfII_8 2 #x11048 #x11048 #x0 #x76fa2a50 #xf4668261 #xbf8b003e #xbfa64206)
      (fftwf_codelet_r2cf_8 2 #x11048 #x11048 #x0 #xe75b944c #x09ac1906 #x449b29ce #x7b6666b0)
      (fftwf_codelet_n2fv_64_avx 0 #x11048 #x11048 #x0 #x03406dff #xc8fa0a2c #x62a9a61e #xa394d874)
      (fftwf_codelet_hc2cfdftv_8_sse2 0 #x11048 #x11048 #x0 #x85773c49 #x9a968ccc #xbd37e819 #xac77e6a4)
    )
    """
}
