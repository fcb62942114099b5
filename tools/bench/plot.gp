# Latency vs batch size, C vs the Python reference, from bench_compare's .dat files.
#   gnuplot -e "datadir='DIR'; outdir='docs'; delay='10'; cbuild='…'" tools/bench/plot.gp
# DIR/latency-stream.dat: records C_ms reference_ms; DIR/latency-sqs.dat: messages C_ms reference_ms.
if (!exists("datadir")) datadir = "."
if (!exists("outdir")) outdir = "."
if (!exists("delay")) delay = "10"
if (!exists("cbuild")) cbuild = "C bootstrap"

set terminal pngcairo size 900,560 font "sans,11" noenhanced
set logscale y 10
set grid ytics mytics xtics lc rgb "#dddddd"
set key top left Left reverse box opaque
set ylabel "one invocation, ms (log scale)"
set format y "%g"
set yrange [4:20000]
set style line 1 lc rgb "#1f77b4" lw 2 pt 7 ps 1.2
set style line 2 lc rgb "#d62728" lw 2 pt 5 ps 1.2

set output outdir."/latency-stream.png"
set title sprintf("process-cart-products: stream batch of 3-item orders, %s ms per AWS call", delay)
set xlabel "records in the stream batch"
set xtics (1, 10, 25, 50, 100)
set xrange [-4:106]
plot datadir."/latency-stream.dat" using 1:2 with linespoints ls 1 title cbuild." (SendMessageBatch, concurrent)", \
     "" using 1:3 with linespoints ls 2 title "Python reference (send_message per item, sequential)", \
     "" using 1:2:(sprintf("%.0f", $2)) with labels offset 0,-1.1 notitle, \
     "" using 1:3:(sprintf("%.0f", $3)) with labels offset 0,1.1 notitle

set output outdir."/latency-sqs.png"
set title sprintf("update-cart-status: SQS batch of 3-item orders, %s ms per AWS call", delay)
set xlabel "messages in the SQS batch"
set xtics (1, 5, 10)
set xrange [0.3:10.7]
plot datadir."/latency-sqs.dat" using 1:2 with linespoints ls 1 title cbuild." (UpdateItem, concurrent)", \
     "" using 1:3 with linespoints ls 2 title "Python reference (update_item per item, sequential)", \
     "" using 1:2:(sprintf("%.0f", $2)) with labels offset 0,-1.1 notitle, \
     "" using 1:3:(sprintf("%.0f", $3)) with labels offset 0,1.1 notitle
