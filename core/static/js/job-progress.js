// The job page follows a running job in place: it asks the job's status URL
// (data-job-status) every data-job-poll milliseconds and moves the progress bar,
// then shows the download link or the error without reloading the page.
// Without script the page reloads itself (a <noscript> meta refresh).
(function () {
  "use strict";
  var panel = document.querySelector("[data-job-status]");
  if (!panel) { return; }
  var url = panel.dataset.jobStatus;
  var every = parseInt(panel.dataset.jobPoll, 10) || 1000;
  function part(name) { return panel.querySelector("[data-job-" + name + "]"); }
  var state = part("state");
  var bar = part("bar");
  var percent = part("percent");
  var message = part("message");
  var announce = part("announce");
  var lastState = null;

  function show(job) {
    state.textContent = job.state_label;
    state.className = "badge job-state job-state-" + job.state;
    if (bar) { bar.value = job.progress; bar.textContent = job.progress + "%"; }
    if (percent) { percent.textContent = job.progress + "%"; }
    if (message) { message.textContent = job.message; }
    if (job.state !== lastState && announce) { announce.textContent = job.state_label; }
    lastState = job.state;
    if (!job.finished) { return false; }
    part("running").hidden = true;
    if (job.download_url) {
      var link = part("download");
      link.href = job.download_url;
      link.textContent = job.download_label;
      part("done").hidden = false;
      link.focus();
    } else if (job.error) {
      part("error").textContent = job.error;
      part("failed").hidden = false;
    } else {
      // Done, but its file is already gone: the page says why.
      window.location.reload();
    }
    return true;
  }

  function ask() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (job) {
        if (!show(job)) { window.setTimeout(ask, every); }
      })
      .catch(function () {
        // Signed out or the server is away: try less often rather than give up.
        window.setTimeout(ask, every * 5);
      });
  }
  window.setTimeout(ask, every);
}());
