import DneckCore
import Foundation

/// `index.html`: one static page that shows the figures and movies beside it in its folder
/// (linked, not embedded: move the folder, not the page; inline CSS and JavaScript, nothing
/// loaded from the network) showing a run's configuration, its logged epochs, every figure and movie
/// with links to each file, and one epoch slider that highlights the epoch in the
/// information planes, the activation histograms and the accuracy charts at once (an SVG
/// overlay drawn from the figures' own layout). Opened as `index.html#selftest`, the page
/// checks itself and writes the result as JSON into `<pre id="selftest">`.
public struct ReportPage: Sendable {
    /// One artifact made for a split: its kind and the files it was written as.
    public struct Item: Sendable {
        public var name: String
        public var kind: ArtifactKind
        public var split: Split
        /// File names in the folder, one per format (the first that a browser shows is shown).
        public var files: [String]
        public init(name: String, kind: ArtifactKind, split: Split, files: [String]) {
            self.name = name; self.kind = kind; self.split = split; self.files = files
        }
    }

    public var title: String
    public var config: [String: String]
    /// Logged epochs of each split.
    public var epochs: [Split: [Int]]
    public var items: [Item]
    /// Failed artifacts by file name, with the reason.
    public var failures: [String: String]
    /// The slider overlays, keyed by the figure's file stem (e.g. `infoplane_train`).
    public var overlays: [String: FigureOverlays]
    /// While `dneck-plot watch` follows a run being written: the page reloads itself and says
    /// how far the run has come. Nil for the finished report, which `all` writes too.
    public var live: LiveStatus?

    public init(title: String, config: [String: String], epochs: [Split: [Int]], items: [Item],
                failures: [String: String], overlays: [String: FigureOverlays]) {
        self.title = title; self.config = config; self.epochs = epochs; self.items = items
        self.failures = failures; self.overlays = overlays
    }

    /// The whole page.
    public func html() -> String {
        let splits = Split.allCases.filter { epochs[$0] != nil }
        let allEpochs = Array(Set(epochs.values.joined())).sorted()
        var body = ["<h1>\(escape(title))</h1>"] + (live.map { [liveParagraph($0)] } ?? []) + [configuration(), epochList(splits)]
        if !allEpochs.isEmpty {
            body.append("""
            <div id="slider"><label for="epoch">Epoch <output id="epoch-value">\(allEpochs[0])</output></label>
            <input type="range" id="epoch" min="0" max="\(allEpochs.count - 1)" value="0" step="1"></div>
            """)
        }
        for split in splits {
            body.append("<h2>\(split.rawValue)</h2>")
            body += items.filter { $0.split == split }.map(section)
        }
        if !failures.isEmpty {
            body.append("<h2>Not made</h2><ul>" + failures.keys.sorted().map { "<li><code>\(escape($0))</code>: \(escape(failures[$0]!))</li>" }.joined() + "</ul>")
        }
        body.append("<pre id=\"selftest\"></pre>")
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        \(live.map { "<meta http-equiv=\"refresh\" content=\"\($0.refreshSeconds)\">" } ?? "")<title>\(escape(title))</title><style>\(Self.css)</style></head>
        <body>
        \(body.joined(separator: "\n"))
        <script type="application/json" id="overlay-data">\(overlayJSON(allEpochs))</script>
        <script>\(Self.script)</script>\(live == nil ? "" : "<script>\(Self.liveScript)</script>")
        </body></html>

        """
    }

    /// What the page says while the run is written: the last committed epoch and how long ago.
    private func liveParagraph(_ live: LiveStatus) -> String {
        let epoch = live.lastEpoch.map { "last committed epoch \($0)" } ?? "no epoch committed yet"
        return "<p id=\"live\" data-committed=\"\(live.committed.timeIntervalSince1970)\">Watching <code>\(escape(live.file))</code> while it is written: "
            + "\(epoch), <span id=\"since\"></span>. This page reloads every \(live.refreshSeconds) s.</p>"
    }

    private func configuration() -> String {
        guard !config.isEmpty else { return "<p>The run logs no configuration.</p>" }
        let rows = config.keys.sorted().map { "<tr><th>\(escape($0))</th><td>\(escape(config[$0]!))</td></tr>" }
        return "<h2>Configuration</h2><table class=\"config\">\(rows.joined())</table>"
    }

    /// Each split's logged epochs, and the epochs the other split logs but it lacks.
    private func epochList(_ splits: [Split]) -> String {
        let lists = splits.map { split -> String in
            let own = epochs[split] ?? [], others = Set(splits.filter { $0 != split }.flatMap { epochs[$0] ?? [] })
            let missing = others.subtracting(own).sorted()
            return "<li>\(split.rawValue): \(own.count) logged: \(own.map(String.init).joined(separator: ", "))"
                + (missing.isEmpty ? "" : "; <strong>missing</strong> (logged in the other split): \(missing.map(String.init).joined(separator: ", "))")
                + "</li>"
        }
        return "<h2>Logged epochs</h2><ul class=\"epochs\">\(lists.joined())</ul>"
    }

    private func section(_ item: Item) -> String {
        let links = item.files.map { "<a href=\"\(escape($0))\" download>\(escape(URL(fileURLWithPath: $0).pathExtension.uppercased()))</a>" }
        let csv = item.kind == .figure || item.kind == .movie
            ? items.first { $0.kind == .table && $0.split == item.split }.map { ["<a href=\"\(escape($0.files[0]))\" download>CSV</a>"] } ?? []
            : []
        let stem = "\(item.name)_\(item.split.rawValue)"
        var shown = ""
        switch item.kind {
        case .figure:
            if let file = item.files.first(where: { $0.hasSuffix(".png") || $0.hasSuffix(".svg") }) {
                shown = "<div class=\"figure\"><img src=\"\(escape(file))\" alt=\"\(escape(stem))\">"
                    + (overlays[stem].map { "<svg class=\"overlay\" data-figure=\"\(stem)\" viewBox=\"0 0 \(number($0.width)) \(number($0.height))\" preserveAspectRatio=\"none\"></svg>" } ?? "")
                    + "</div>"
            }
        case .movie:
            shown = "<video src=\"\(escape(item.files[0]))\" controls preload=\"auto\" muted playsinline></video>"
        case .table, .summary, .report:
            break
        }
        return "<section id=\"\(stem)\"><h3>\(escape(item.name))</h3>\(shown)<p class=\"links\">\((links + csv).joined(separator: " · "))</p></section>"
    }

    private func overlayJSON(_ allEpochs: [Int]) -> String {
        // Figure stems are file names of ours (letters, digits, "_"): nothing to escape, and no
        // "</" to end the script element early.
        let figures = overlays.keys.sorted().map { "\"\($0)\":\(overlays[$0]!.json)" }.joined(separator: ",")
        return "{\"epochs\":[\(allEpochs.map(String.init).joined(separator: ","))],\"figures\":{\(figures)}}"
    }

    private func number(_ value: Double) -> String { String(format: "%.2f", value) }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static let css = """
    body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:1100px;padding:0 1em;color:#222}
    table.config{border-collapse:collapse;font-size:.9em}table.config th,table.config td{border:1px solid #ccc;padding:2px 8px;text-align:left}
    #slider{position:sticky;top:0;background:#fff;padding:.5em 0;border-bottom:1px solid #ddd;z-index:2}
    #slider input{width:60%;vertical-align:middle}
    .figure{position:relative;display:inline-block;max-width:100%}.figure img{display:block;max-width:100%;height:auto}
    .figure svg.overlay{position:absolute;left:0;top:0;width:100%;height:100%;pointer-events:none}
    video{max-width:100%;max-height:80vh}.links a{margin-right:.3em}
    #selftest:empty{display:none}
    """

    /// The live page's clock (time since the last commit) and its slider, which stays where the
    /// reader left it across reloads, or follows the last epoch when it was there.
    static let liveScript = """
    "use strict";
    (function(){
      var live=document.getElementById("live"),since=document.getElementById("since"),committed=Number(live.dataset.committed);
      function tick(){since.textContent=Math.max(0,Math.round(Date.now()/1000-committed))+" s ago";}
      tick();setInterval(tick,1000);
      var slider=document.getElementById("epoch");
      if(!slider)return;
      var kept=sessionStorage.getItem("dneck-watch-epoch"),index=kept===null||kept==="last"?-1:data.epochs.indexOf(Number(kept));
      slider.value=index<0?slider.max:index;slider.dispatchEvent(new Event("input"));
      slider.addEventListener("input",function(){
        sessionStorage.setItem("dneck-watch-epoch",slider.value===slider.max?"last":String(data.epochs[Number(slider.value)]));
      });
    })();
    """

    /// The slider and the self-check.
    static let script = """
    "use strict";
    var errors=[];
    window.addEventListener("error",function(e){errors.push(String(e.message));});
    (function(){var original=console.error;console.error=function(){errors.push(Array.prototype.join.call(arguments," "));original.apply(console,arguments);};})();
    var data=JSON.parse(document.getElementById("overlay-data").textContent);
    var slider=document.getElementById("epoch");
    function shapes(o){
      var s="";
      o.c.forEach(function(c){s+='<circle cx="'+c[0]+'" cy="'+c[1]+'" r="'+c[2]+'" fill="none" stroke="#e00" stroke-width="1.6"/>';});
      o.r.forEach(function(r){s+='<rect x="'+r[0]+'" y="'+r[1]+'" width="'+r[2]+'" height="'+r[3]+'" fill="none" stroke="#e00" stroke-width="1.6"/>';});
      o.l.forEach(function(l){s+='<line x1="'+l[0]+'" y1="'+l[1]+'" x2="'+l[2]+'" y2="'+l[3]+'" stroke="#e00" stroke-width="1.2"/>';});
      return s;
    }
    function show(index){
      var epoch=data.epochs[index];
      document.getElementById("epoch-value").textContent=epoch;
      document.querySelectorAll("svg.overlay").forEach(function(svg){
        var figure=data.figures[svg.dataset.figure],o=figure&&figure.epochs[String(epoch)];
        svg.innerHTML=o?shapes(o):"";svg.dataset.epoch=o?epoch:"";
      });
    }
    if(slider){slider.addEventListener("input",function(){show(Number(slider.value));});show(0);}
    function videoReady(v){
      return new Promise(function(resolve){
        if(v.readyState>=2){resolve();return;}
        v.addEventListener("loadeddata",resolve);v.addEventListener("error",resolve);setTimeout(resolve,4000);v.load();
      });
    }
    function selftest(){
      var videos=Array.prototype.slice.call(document.querySelectorAll("video"));
      Promise.all(videos.map(videoReady)).then(function(){
        var result={images:[],videos:[],slider:null,errors:errors};
        document.querySelectorAll("img").forEach(function(i){result.images.push({src:i.getAttribute("src"),complete:i.complete,naturalWidth:i.naturalWidth});});
        videos.forEach(function(v){result.videos.push({src:v.getAttribute("src"),readyState:v.readyState,duration:v.duration,width:v.videoWidth,error:v.error?v.error.code:null});});
        if(slider){
          var overlays=Array.prototype.slice.call(document.querySelectorAll("svg.overlay"));
          var before=overlays.map(function(s){return s.innerHTML;});
          slider.value=slider.max;slider.dispatchEvent(new Event("input"));
          var after=overlays.map(function(s){return s.innerHTML;});
          result.slider={figures:overlays.map(function(s){return s.dataset.figure;}),epoch:document.getElementById("epoch-value").textContent,
            changed:overlays.map(function(s,i){return before[i]!==after[i];}),shapes:overlays.map(function(s){return s.childElementCount;})};
          slider.value=0;slider.dispatchEvent(new Event("input"));
        }
        document.getElementById("selftest").textContent=JSON.stringify(result);
      });
    }
    if(location.hash==="#selftest"){if(document.readyState==="complete")selftest();else window.addEventListener("load",selftest);}
    """
}
