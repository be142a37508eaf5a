/// The live page (`GET /`): one static HTML page that plots voltage, current and SoC from the
/// server-sent events of `GET /events` on a canvas (issue 20 item 3). No script library: a bench
/// laptop opens it without the internet. `#points` counts the samples plotted (the screenshot test
/// reads it through the DOM). The bench buttons post `/api/bench/stop` and `/api/bench/start` (the next
/// simulated session on the sim board) and show the answer.
public enum LivePage {
    public static let html = """
    <!doctype html>
    <html lang="en"><head><meta charset="utf-8"><title>ChargeKit live</title>
    <style>
    body { font: 14px sans-serif; margin: 12px; background: #fff; color: #222; }
    #plot { border: 1px solid #999; display: block; }
    .v { color: #c0392b; } .a { color: #2471a3; } .s { color: #1e8449; }
    </style></head>
    <body>
    <h1>ChargeKit live</h1>
    <p><span class="v">voltage <b id="volts">–</b> V</span> ·
       <span class="a">current <b id="amps">–</b> A</span> ·
       <span class="s">SoC <b id="soc">–</b> %</span> ·
       phase <b id="phase">–</b> · samples <b id="points">0</b></p>
    <p><button id="stop" onclick="bench('stop')">stop session</button>
       <button id="start" onclick="bench('start')">start next session</button> <span id="bench"></span></p>
    <canvas id="plot" width="760" height="400"></canvas>
    <script>
    const samples = [];
    const keep = 300;
    const canvas = document.getElementById('plot');
    const g = canvas.getContext('2d');
    function line(key, scale, color) {
      g.strokeStyle = color; g.lineWidth = 2; g.beginPath();
      samples.forEach((s, i) => {
        const v = s[key] === null ? 0 : s[key];
        const x = i * canvas.width / keep;
        const y = canvas.height - 10 - (canvas.height - 20) * Math.min(v / scale, 1);
        if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
      });
      g.stroke();
    }
    function draw() {
      g.fillStyle = '#fff'; g.fillRect(0, 0, canvas.width, canvas.height);
      line('volts', 1000, '#c0392b');
      line('amps', 500, '#2471a3');
      line('soc', 100, '#1e8449');
    }
    const events = new EventSource('events');
    events.onmessage = (e) => {
      const s = JSON.parse(e.data);
      samples.push(s);
      if (samples.length > keep) samples.shift();
      document.getElementById('volts').textContent = s.volts.toFixed(1);
      document.getElementById('amps').textContent = s.amps.toFixed(1);
      document.getElementById('soc').textContent = s.soc === null ? '–' : s.soc;
      document.getElementById('phase').textContent = s.phase;
      const p = document.getElementById('points');
      p.textContent = String(Number(p.textContent) + 1);
      draw();
    };
    function bench(what) {
      fetch('api/bench/' + what, { method: 'POST' })
        .then(r => r.json().then(j => { document.getElementById('bench').textContent = r.status + ' ' + (j.error || j.posted); }))
        .catch(e => { document.getElementById('bench').textContent = String(e); });
    }
    draw();
    </script>
    </body></html>
    """
}
