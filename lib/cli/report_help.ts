/** The help text of `cvgl report` (apart from lib/cli_report.ts so that `cvgl --help` loads no report code). */
export const REPORT_HELP = `  cvgl report --notebooks PATH[,PATH...] [--param key=value ...] [--profile quick|paper|smoke]
              [--jobs N] [--pdf | --no-pdf] [--cell-timeout S] [--timeout S] [--out DIR]
      Re-executes the notebooks (files or folders) on fresh tslab kernels, writes the executed
      copies, one self-contained HTML page per paper (claims, provenance, published vs
      reproduced numbers, the notebooks), reports/index.html and PDFs (system Chromium).
      Exits 1 when a notebook failed (its page shows where).
  cvgl report [--full] [--out DIR]
      Without --notebooks: the quick-start report (backends, devices, training-step benchmark).`;
