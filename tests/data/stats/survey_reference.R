# Reference figures from R's survey package for tests/test_stats_r_compare.py and the benchmark.
# Usage: Rscript survey_reference.R <input dir> <output dir> [by columns, comma-separated ...]
# Input: survey_sample.csv (id, grouping columns, base_weight, status) and margin_*.csv files
# named in margins.txt (one file per line; each: key columns + total). The base design is
# raked to the margins; with IKOE_R_METHOD=poststratify it is post-stratified (postStratify) to
# the single margin instead (its key columns are the post-strata).
# Output (CSV): weights.csv, overall_<design>.csv, by_<cols>_<design>.csv for the calibrated
# ("raked") and base-weight-only ("base") designs (IKOE_R_SKIP_BASE=1 skips "base";
# IKOE_R_SKIP_CIPROP=1 skips the svyciprop intervals, which are slow on large files), and
# timing.csv (seconds: rake; svyby(svymean) + confint; svyby(svyciprop, logit)).
# Estimates are for the declared (status != "unknown") as a domain of the full design.
suppressMessages(library(survey))
options(survey.lonely.psu = "fail", digits = 17)
args <- commandArgs(trailingOnly = TRUE)
indir <- args[1]
outdir <- args[2]
bys <- if (length(args) > 2) strsplit(args[3:length(args)], ",") else list()
skip_ciprop <- identical(Sys.getenv("IKOE_R_SKIP_CIPROP"), "1")

d <- read.csv(file.path(indir, "survey_sample.csv"), colClasses = "character")
d$base_weight <- as.numeric(d$base_weight)
d$mb <- as.numeric(d$status == "yes")
margin_files <- readLines(file.path(indir, "margins.txt"))
margins <- lapply(margin_files, function(f) {
  m <- read.csv(file.path(indir, f), colClasses = "character")
  m$total <- as.numeric(m$total)
  names(m)[names(m) == "total"] <- "Freq"
  m
})
formulas <- lapply(margins, function(m) {
  as.formula(paste("~", paste(setdiff(names(m), "Freq"), collapse = "+")))
})

t0 <- proc.time()[["elapsed"]]
base <- svydesign(ids = ~1, weights = ~base_weight, data = d)
raked <- if (identical(Sys.getenv("IKOE_R_METHOD"), "poststratify")) {
  postStratify(base, formulas[[1]], margins[[1]])
} else {
  rake(base, formulas, margins, control = list(maxit = 1000, epsilon = 1e-13))
}
t_rake <- proc.time()[["elapsed"]] - t0
write.csv(data.frame(id = d$id, weight = weights(raked)), file.path(outdir, "weights.csv"),
          row.names = FALSE)

fmt <- function(x) formatC(as.numeric(x), digits = 17, format = "g")

timing <- list(svymean = 0, svyciprop = 0)
stats_for <- function(design, label) {
  dd <- subset(design, status != "unknown")
  m <- svymean(~mb, dd)
  ci_w <- confint(m)
  cp <- if (skip_ciprop) NULL else svyciprop(~mb, dd, method = "logit")
  ci_l <- if (skip_ciprop) c(NA, NA) else attr(cp, "ci")
  ci_x <- if (skip_ciprop) c(NA, NA) else attr(svyciprop(~mb, dd, method = "xlogit"), "ci")
  overall <- data.frame(design = label, share = fmt(coef(m)[1]), se = fmt(SE(m)[1]),
                        wald_lower = fmt(ci_w[1, 1]), wald_upper = fmt(ci_w[1, 2]),
                        logit_lower = fmt(ci_l[1]), logit_upper = fmt(ci_l[2]),
                        xlogit_lower = fmt(ci_x[1]), xlogit_upper = fmt(ci_x[2]))
  write.csv(overall, file.path(outdir, paste0("overall_", label, ".csv")), row.names = FALSE)
  for (by in bys) {
    f <- as.formula(paste("~", paste(by, collapse = "+")))
    t <- proc.time()[["elapsed"]]
    b <- svyby(~mb, f, dd, svymean)
    ci <- confint(b)
    timing$svymean <<- timing$svymean + proc.time()[["elapsed"]] - t
    if (skip_ciprop) {
      bl <- data.frame(ci_l = NA, ci_u = NA)
      bx <- bl
    } else {
      t <- proc.time()[["elapsed"]]
      bl <- suppressWarnings(svyby(~mb, f, dd, svyciprop, method = "logit", vartype = "ci"))
      timing$svyciprop <<- timing$svyciprop + proc.time()[["elapsed"]] - t
      bx <- suppressWarnings(svyby(~mb, f, dd, svyciprop, method = "xlogit", vartype = "ci"))
    }
    out <- data.frame(b[, by, drop = FALSE], share = fmt(b$mb), se = fmt(SE(b)),
                      wald_lower = fmt(ci[, 1]), wald_upper = fmt(ci[, 2]),
                      logit_lower = fmt(bl$ci_l), logit_upper = fmt(bl$ci_u),
                      xlogit_lower = fmt(bx$ci_l), xlogit_upper = fmt(bx$ci_u))
    write.csv(out, file.path(outdir, paste0("by_", paste(by, collapse = "_"), "_", label, ".csv")),
              row.names = FALSE)
  }
}
stats_for(raked, "raked")
if (!identical(Sys.getenv("IKOE_R_SKIP_BASE"), "1")) stats_for(base, "base")
write.csv(data.frame(rake = t_rake, svyby_svymean = timing$svymean,
                     svyby_svyciprop_logit = timing$svyciprop),
          file.path(outdir, "timing.csv"), row.names = FALSE)
