document.getElementById('app').textContent='AkkaRouter';
